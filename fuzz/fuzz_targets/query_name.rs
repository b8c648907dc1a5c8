//! Fuzz target `query_name`: the properties of [`meshdig_fuzz::query_name`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::query_name(data));
