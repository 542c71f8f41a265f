fn main() -> std::process::ExitCode {
    studybot::cli::main()
}
