//! The one integration-test binary: every test runs the real `meshdig` executable.

mod fixtures;
mod generated;
mod support;
mod usage;
