# cli progress bars with dynamic output forced on (as in a terminal).
options(cli.dynamic = TRUE, cli.progress_show_after = 0, cli.ansi = FALSE,
        cli.num_colors = 1, cli.progress_clear = FALSE)
f <- function() {
  cli::cli_progress_bar("Fitting", total = 6)
  for (i in 1:6) { Sys.sleep(0.15); cli::cli_progress_update() }
  cli::cli_progress_done()
}
f()
cat("50% | ETA: unknown\n")
