//! The `folio` binary: parses the command line and hands over to [`folio_server::cli`].

/// mimalloc instead of the system allocator: server-side rendering allocates many small strings,
/// and glibc's malloc/free took about a quarter of the CPU time of a page view (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    folio_server::cli::main()
}
