# utils::txtProgressBar, styles 1, 2 and 3.
for (style in 1:3) {
  cat(sprintf("style %d: 5 steps\n", style))
  pb <- txtProgressBar(min = 0, max = 5, style = style)
  for (i in 1:5) { setTxtProgressBar(pb, i); flush(stdout()) }
  close(pb)
}
cat("==========\n")
cat("  |   | 50%\n")
