//! The `cxsim` command: parses arguments and hands over to [`cxsim::cli`].
fn main() -> std::process::ExitCode {
    cxsim::cli::main_with_args(std::env::args_os())
}
