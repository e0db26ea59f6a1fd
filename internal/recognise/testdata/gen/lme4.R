# lme4::lmer(verbose = 1) with the default nloptwrap optimiser: "iteration: N"
# then "\tf(x) = value" per evaluation.
suppressMessages(library(lme4))
cat("iteration: the first one is slow\n")
cat("f(x) = x^2 is the objective\n")
fit <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, verbose = 1)
