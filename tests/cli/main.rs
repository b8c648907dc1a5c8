//! The one integration-test binary: every test runs the real `meshdig` executable.

// Test modules share helpers as `pub` items; nothing here is exported.
#![allow(unreachable_pub)]

mod audit;
mod bad_inputs;
mod check;
mod dig;
mod fixtures;
mod generated;
mod harness;
mod live;
mod resolvconf;
mod search_walk;
mod support;
mod usage;
