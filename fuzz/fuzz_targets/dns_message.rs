//! Fuzz target `dns_message`: the properties of [`meshdig_fuzz::dns_message`] on every input.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| meshdig_fuzz::dns_message(data));
