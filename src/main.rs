fn main() -> std::process::ExitCode {
    charla::cli::run()
}
