//! The `folio` binary: parses the command line and hands over to [`folio_server::cli`].

fn main() -> std::process::ExitCode {
    folio_server::cli::main()
}
