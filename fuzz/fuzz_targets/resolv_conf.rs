//! Fuzz target `resolv_conf`: the properties of [`meshdig_fuzz::resolv_conf`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::resolv_conf(data));
