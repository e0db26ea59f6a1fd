package e2e

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// rExpectHelper is prepended to each script of TestRunPackages: expect()
// writes a metric's expected final value, taken from the fitted object (not
// from what was printed), to the side file the test reads; a value that is
// not a number is the state the metric must be in.
const rExpectHelper = `
expect <- function(name, value) {
  v <- if (is.numeric(value)) sprintf("%.17g", value) else as.character(value)
  cat(name, " ", v, "\n", sep = "", file = .expect_file, append = TRUE)
}
`

// TestRunPackages runs tiny fits of R packages that print their progress
// (adapted from internal/recognise/testdata/gen) under rexporter run, with no change
// to their code, and checks that the final value of each recognised metric
// on /metrics is the last one the package printed. The script itself writes
// what that is, from the fitted object, to a side file (expect()). Printed
// numbers are rounded, so a metric may differ from the exact value by half a
// unit in the last printed place, and by no more: tol, per metric, says how
// much and why; a metric not in tol must be exact.
//
// rexporter run exits when the job does, so it sends to a rexporter (--to)
// and the test reads that one's /metrics once the job is finished, as
// TestRunRecognises does: the last updates, those of the final flush
// included, are all there by then.
func TestRunPackages(t *testing.T) {
	rscript := requireR(t)
	exp := startExporter(t)
	tests := map[string]struct {
		pkgs map[string]string // R package → Debian package
		code string
		tol  map[string]float64
	}{
		"nnet trace": {
			pkgs: map[string]string{"nnet": "r-cran-nnet"},
			code: `
set.seed(1)
suppressMessages(library(nnet))
fit <- nnet(Species ~ ., data = iris, size = 2, maxit = 60, trace = TRUE)
expect("optim_value", fit$value)
expect("optim_status", if (fit$convergence == 1) "stopped" else "converged")
if (fit$convergence == 1) expect("optim_iteration", 60) # "iter  60 value", printed every 10
`,
			// nnet prints "final  value %f": 6 decimals.
			tol: map[string]float64{"optim_value": 5e-7},
		},
		"gbm verbose table": {
			pkgs: map[string]string{"gbm": "r-cran-gbm"},
			code: `
set.seed(1)
suppressMessages(library(gbm))
n <- 500
d <- data.frame(x1 = runif(n), x2 = runif(n))
d$y <- d$x1 + 2 * d$x2 + rnorm(n, sd = 0.1)
fit <- gbm(y ~ x1 + x2, data = d, distribution = "gaussian", n.trees = 100,
           train.fraction = 0.8, verbose = TRUE)
expect("gbm_iteration", fit$n.trees)
expect("gbm_train_deviance", fit$train.error[fit$n.trees])
expect("gbm_valid_deviance", fit$valid.error[fit$n.trees])
expect("gbm_step_size", fit$shrinkage)
expect("gbm_improve", fit$oobag.improve[fit$n.trees])
`,
			// gbm prints every column but Iter with 4 decimals (%.4f).
			tol: map[string]float64{"gbm_train_deviance": 5e-5, "gbm_valid_deviance": 5e-5,
				"gbm_step_size": 5e-5, "gbm_improve": 5e-5},
		},
		"randomForest classification": {
			pkgs: map[string]string{"randomForest": "r-cran-randomforest"},
			code: `
set.seed(1)
suppressMessages(library(randomForest))
rf <- randomForest(Species ~ ., data = iris, ntree = 50, do.trace = 10)
e <- rf$err.rate[rf$ntree, ]
expect("randomforest_ntree", rf$ntree)
expect("randomforest_oob_error", e[["OOB"]])
for (k in seq_along(levels(iris$Species))) expect(paste0("randomforest_class_error_", k), e[[k + 1]])
`,
			// do.trace prints percentages with 2 decimals ("4.00%"):
			// the ratio is within 0.005 % = 5e-5.
			tol: map[string]float64{"randomforest_oob_error": 5e-5, "randomforest_class_error_1": 5e-5,
				"randomforest_class_error_2": 5e-5, "randomforest_class_error_3": 5e-5},
		},
		"randomForest regression": {
			pkgs: map[string]string{"randomForest": "r-cran-randomforest"},
			code: `
set.seed(1)
suppressMessages(library(randomForest))
rf <- randomForest(mpg ~ ., data = mtcars, ntree = 30, do.trace = 10)
expect("randomforest_ntree", rf$ntree)
expect("randomforest_mse", rf$mse[rf$ntree])
expect("randomforest_var_y", 100 * (1 - rf$rsq[rf$ntree]))
`,
			// The MSE is printed with 4 significant digits (%8.4g); it is
			// between 1 and 10 here (6.586), so 3 decimals. %Var(y) is
			// printed with 2 decimals.
			tol: map[string]float64{"randomforest_mse": 5e-4, "randomforest_var_y": 5e-3},
		},
		"caret folds": {
			pkgs: map[string]string{"caret": "r-cran-caret"},
			code: `
set.seed(1)
suppressMessages(library(caret))
fit <- train(Sepal.Length ~ ., data = iris[, 1:4], method = "lm",
             trControl = trainControl(method = "cv", number = 3, verboseIter = TRUE))
fit2 <- train(Sepal.Length ~ ., data = iris[, 1:4], method = "knn", tuneLength = 2,
              trControl = trainControl(method = "repeatedcv", number = 2, repeats = 2, verboseIter = TRUE))
# One "+ FoldN" / "- FoldN" pair per resample and tuning row (lm and knn
# fit no submodels), counted over the whole job.
folds <- sum(sapply(list(fit, fit2), function(f) length(f$control$index) * nrow(f$results)))
expect("caret_folds_started", folds)
expect("caret_folds_done", folds)
expect("caret_phase", "final model")
`,
		},
		"glmnet trace.it": {
			pkgs: map[string]string{"glmnet": "r-cran-glmnet"},
			code: `
set.seed(1)
suppressMessages(library(glmnet))
x <- matrix(rnorm(100 * 20), 100, 20)
y <- rnorm(100)
fit <- glmnet(x, y, trace.it = 1)
cv <- cv.glmnet(x, y, trace.it = 1, nfolds = 3)
expect("txt_progress_ratio", 1)
expect("txt_progress_done", 100) # txtProgressBar(style = 3) prints a percentage
expect("txt_progress_steps", 100)
`,
		},
		"progress bar": {
			pkgs: map[string]string{"progress": "r-cran-progress"},
			code: `
suppressMessages(library(progress))
pb <- progress_bar$new(total = 5, force = TRUE, show_after = 0, clear = FALSE)
for (i in 1:5) { pb$tick(); Sys.sleep(0.05) }
pb <- progress_bar$new(format = "fitting [:bar] :current/:total :percent eta: :eta",
                       total = 8, force = TRUE, show_after = 0, clear = FALSE, width = 60)
for (i in 1:8) { pb$tick(); Sys.sleep(0.1) }
expect("progress_bar_ratio", 1)
expect("progress_bar_done", 8) # the last bar prints :current/:total
expect("progress_bar_steps", 8)
expect("progress_bar_eta_seconds", 0)
`,
		},
		"cli progress bar": {
			pkgs: map[string]string{"cli": "r-cran-cli"},
			code: `
options(cli.dynamic = TRUE, cli.progress_show_after = 0, cli.ansi = FALSE,
        cli.num_colors = 1, cli.progress_clear = FALSE)
f <- function() {
  cli::cli_progress_bar("Fitting", total = 6)
  for (i in 1:6) { Sys.sleep(0.15); cli::cli_progress_update() }
  cli::cli_progress_done()
}
f()
expect("cli_progress_ratio", 1)
expect("cli_progress_done", 100) # cli prints a percentage
expect("cli_progress_steps", 100)
expect("cli_progress_eta_seconds", 0)
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			requireRPackages(t, rscript, tc.pkgs)
			job := strings.ReplaceAll(strings.ToLower(name), " ", "-")
			side := filepath.Join(t.TempDir(), "expect.txt")
			script := rScript(t, "job.R", fmt.Sprintf(".expect_file <- %q\n", side)+rExpectHelper+tc.code)
			p := startRun(t, []string{"--to", exp.ingest, "--job", job}, script)
			if code := p.wait(t); code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, p.stdout, p.stderr)
			}
			mfs := exp.waitFor(t, job+" finished", stateIs(job, "finished"))
			want := readExpectations(t, side)
			for m := range tc.tol {
				if _, ok := want[m]; !ok {
					t.Errorf("tolerance for %s, which the script does not expect", m)
				}
			}
			for m, w := range want {
				checkFinal(t, mfs, job, m, w, tc.tol[m])
			}
			if t.Failed() {
				t.Logf("the job's output:\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
			}
		})
	}
}

// checkFinal compares a metric of the job with what the script expects: a
// number within tol, or else the state that must be 1.
func checkFinal(t *testing.T, mfs map[string]*dto.MetricFamily, job, metric, want string, tol float64) {
	t.Helper()
	w, err := strconv.ParseFloat(want, 64)
	if err != nil {
		if v, ok := value(mfs, metric, "r_job", job, "state", want); !ok || v != 1 {
			t.Errorf("%s{state=%q} = %v (present %v), want 1", metric, want, v, ok)
		}
		return
	}
	v, ok := value(mfs, metric, "r_job", job)
	if !ok {
		t.Errorf("%s missing, want %v", metric, w)
		return
	}
	// 1e-12 relative: the float64 from text and back, not a rounding.
	if d := math.Abs(v - w); d > tol+1e-12*math.Abs(w) {
		t.Errorf("%s = %v, want %v (differs by %.3g, tolerance %g)", metric, v, w, d, tol)
	}
}

// readExpectations reads the side file the script's expect() wrote.
func readExpectations(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the script wrote no expectations: %v", err)
	}
	want := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(l, " ")
		if !ok {
			t.Fatalf("bad expectation line %q", l)
		}
		want[k] = v
	}
	return want
}

// requireRPackages checks that the R packages are installed: a missing one fails
// in CI (scripts/test installs it from Debian) and skips the test elsewhere.
func requireRPackages(t *testing.T, rscript string, pkgs map[string]string) {
	t.Helper()
	for pkg, deb := range pkgs {
		// system.file finds an installed package without loading it (caret
		// takes seconds to load).
		err := exec.Command(rscript, "-e", fmt.Sprintf("quit(status = !nzchar(system.file(package = %q)))", pkg)).Run()
		if err == nil {
			continue
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("R package %s is required in CI (apt-get install %s): %v", pkg, deb, err)
		}
		t.Skipf("R package %s not installed (%s): %v", pkg, deb, err)
	}
}
