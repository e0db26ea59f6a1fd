library(testthat)
library(rexporter)

test_check("rexporter")
