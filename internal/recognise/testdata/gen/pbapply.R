# pbapply with its "timer" bar (elapsed and remaining time) and its "txt" bar.
suppressMessages(library(pbapply))
pboptions(type = "timer")
invisible(pblapply(1:4, function(i) Sys.sleep(0.3)))
pboptions(type = "txt")
invisible(pbsapply(1:4, function(i) Sys.sleep(0.05)))
cat("elapsed=01s, remaining~01s is what pbapply prints\n")
