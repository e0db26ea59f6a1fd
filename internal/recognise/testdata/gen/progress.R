# The progress package: its default bar and one with counts, percent and eta.
suppressMessages(library(progress))
pb <- progress_bar$new(total = 5, force = TRUE, show_after = 0, clear = FALSE)
for (i in 1:5) { pb$tick(); Sys.sleep(0.05) }
pb <- progress_bar$new(format = "fitting [:bar] :current/:total :percent eta: :eta",
                       total = 8, force = TRUE, show_after = 0, clear = FALSE, width = 60)
for (i in 1:8) { pb$tick(); Sys.sleep(0.1) }
cat("[====] 100% of the log is fine\n")
