#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    custodiand::cli::main()
}
