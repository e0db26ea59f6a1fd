# glm(control = glm.control(trace = TRUE)): one deviance line per IRLS iteration.
cat("Deviance is the usual measure here\n")
fit <- glm(cbind(ncases, ncontrols) ~ agegp + tobgp * alcgp, data = esoph,
           family = binomial(), control = glm.control(trace = TRUE))
cat("Deviance = low Iterations - many\n")
