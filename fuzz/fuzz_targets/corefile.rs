//! Fuzz target `corefile`: the properties of [`meshdig_fuzz::corefile`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::corefile(data));
