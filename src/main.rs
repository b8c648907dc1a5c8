//! The `meshdig` binary (also installed as the kubectl plugin `kubectl-meshdig`).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(meshdig::run(std::env::args_os().collect()))
}
