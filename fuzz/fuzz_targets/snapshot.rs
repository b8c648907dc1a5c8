//! Fuzz target `snapshot`: the properties of [`meshdig_fuzz::snapshot`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::snapshot(data));
