# rstan: a normal mean, 2 chains of 200 iterations, one after the other
# (cores = 1), progress every 20 iterations.
#
# Debian's r-cran-bh ships no Boost headers, so stan_model() stops with
# "Boost not found". When BH has none, this script makes a private copy of
# BH whose include/boost is Debian's /usr/include/boost (libboost-dev, the
# same Boost 1.74) and puts it first on the library path (testdata/README.md).
bh <- system.file(package = "BH")
if (!dir.exists(file.path(bh, "include", "boost"))) {
  if (!dir.exists("/usr/include/boost")) stop("no Boost headers: apt-get install libboost-dev")
  lib <- file.path(tempdir(), "lib")
  dir.create(lib)
  file.copy(bh, lib, recursive = TRUE)
  dir.create(file.path(lib, "BH", "include"))
  file.symlink("/usr/include/boost", file.path(lib, "BH", "include", "boost"))
  .libPaths(c(lib, .libPaths()))
}
suppressMessages(library(rstan))
cat("Chain 1: Iteration: the first ones are slow\n")
code <- "data { int<lower=0> N; vector[N] y; }
parameters { real mu; real<lower=0> sigma; }
model { y ~ normal(mu, sigma); }"
m <- stan_model(model_code = code, model_name = "normal_mean")
set.seed(1)
fit <- sampling(m, data = list(N = 20, y = rnorm(20, 3, 1)), chains = 2, iter = 200,
                seed = 1, cores = 1, refresh = 20)
print(fit, digits = 2)
cat("Chain 2: 0.5 seconds (Total) is what it took last time\n")
