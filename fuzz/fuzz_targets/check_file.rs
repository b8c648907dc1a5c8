//! Fuzz target `check_file`: the properties of [`meshdig_fuzz::check_file`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::check_file(data));
