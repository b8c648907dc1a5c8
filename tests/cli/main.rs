//! The one integration-test binary: the tests run the real `meshdig` executable against real
//! servers, and replay the upstream projects' test tables through meshdig's emulators.

// Test modules share helpers as `pub` items; nothing here is exported.
#![allow(unreachable_pub)]

mod audit;
mod bad_inputs;
mod check;
mod conformance;
mod corpus;
mod dig;
mod docs_examples;
mod exec_plugin;
mod explain;
mod fixtures;
mod fuzz_corpus;
mod generated;
mod harness;
mod krew;
mod live;
mod not_recorded;
mod output;
mod resolution;
mod resolvconf;
mod rules;
mod search_walk;
mod support;
mod tables;
mod usage;
