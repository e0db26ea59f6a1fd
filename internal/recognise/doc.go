// Package recognise turns the output R packages print while they work
// (progress bars, optimiser traces, verbose tables, cross-validation and
// sampler progress) into metric updates, so that a job that never calls
// rexporter still shows its progress.
//
// It imports only the standard library and package parser (for
// parser.MetricName and, in the user's recogniser, the value grammar).
//
// # Feeding output
//
// A Set serves one job. The caller hands it the raw bytes the job writes, in
// whatever chunks it reads them, stdout and stderr apart:
//
//	set := recognise.NewSet() // all built-in recognisers
//	for _, u := range set.Feed(recognise.Stderr, chunk) {
//		// apply u
//	}
//	set.Flush(recognise.Stderr) // at EOF: ends an unfinished line
//
// Feed splits the bytes into lines: '\n' (or "\r\n") ends a line, '\r' ends
// a redraw. Of several redraws of a line in one chunk only the last is
// looked at (the last one wins). Progress bars start each redraw with '\r'
// and leave their latest state unterminated, so the text after the last '\r'
// of a chunk is looked at as a Partial line at once; a recogniser only
// accepts a partial line whose format shows it is whole (txtProgressBar's
// fixed-width " 45%", a count followed by more text), so a bar cut by a read
// never gives a smaller number. Lines longer than MaxLine (4096 bytes) are
// dropped without being kept in memory.
//
// The recognisers run in order; the first one that returns updates for a
// line claims it. A Set and its recognisers are not safe for concurrent use.
//
// # Updates
//
// An Update is one value:
//
//	Name    metric base name, a valid Prometheus name, prefixed with its
//	        source: optim_value, gbm_train_deviance, stan_chain_1_iteration
//	RName   the name as the source prints it: value, TrainDeviance
//	Value   the number; for a Progress the done count
//	Total   for a Progress, the total (100 for a percentage)
//	State   for a State, the word (warmup, sampling, converged)
//	Kind    Gauge, Progress or State
//	Source  what printed it, for a HELP text: "optim/nnet trace", "gbm verbose"
//
// Error percentages (randomForest's 7.43%) are ratios
// (0.0743), as in package parser; times are seconds.
//
// # Built-in recognisers
//
// Progress bars are only read from redrawn lines (after or before a '\r'):
// a job's own log lines never are.
//
// TxtProgressBar, utils::txtProgressBar (also glmnet's trace.it = 1 and
// pbapply's type "txt"):
//
//	  |==============                                        |  20%   txt_progress 20/100
//	================                                               txt_progress_marks 16 (style 2, redrawn)
//
//	========== (growing, style 1)                     txt_progress_marks 10
//
// Style 1 draws its marks without '\r' or a number, a few more at each
// step: it is read only by a Set told to ReadGrowing (rexporter run, whose
// chunks are the job's writes), once its line has grown in a second chunk,
// so that a separator line written in one go (or as its text, then its
// newline) is never taken for a bar. Styles 1 and 2 print no total, so they
// give the marks drawn (R draws getOption("width") of them for style 1).
//
// Pbapply, pbapply's "timer" bar:
//
//	|+++++++++++++             | 25% ~01m 05s   pbapply_progress 25/100, pbapply_eta_seconds 65
//	|++++++++++++++++++++++++++| 100% elapsed=01s   pbapply_progress, pbapply_elapsed_seconds 1, pbapply_eta_seconds 0
//
// ProgressBar, the progress package's progress_bar:
//
//	[=============>-----------]  20%                 progress_bar 20/100
//	fitting [===>-----] 3/8  38% eta:  2s            progress_bar 3/8, progress_bar_eta_seconds 2
//
// CliProgress, cli's cli_progress_bar() with a total:
//
//	Fitting ■■■■■■■■■■■       33% | ETA:  1s         cli_progress 33/100, cli_progress_eta_seconds 1
//
// OptimTrace, the variable-metric trace of optim(method = "BFGS" or
// "L-BFGS-B", control = list(trace = 1)), nnet::nnet() and
// nnet::multinom():
//
//	initial  value 168.737457                        optim_iteration 0, optim_value 168.737457
//	iter  10 value 52.385830                         optim_iteration 10, optim_value 52.38583
//	final  value 5.971087                            optim_value 5.971087
//	converged                                        optim_status "converged" (only after a final value)
//
// NlminbTrace, nlminb(control = list(trace = n)):
//
//	5:     2.7399410: -0.596535 0.312149           nlminb_iteration 5, nlminb_objective 2.739941
//
// GlmTrace, glm(control = glm.control(trace = TRUE)):
//
//	Deviance = 77.16146 Iterations - 2               glm_deviance 77.16146, glm_iteration 2
//
// Lme4Trace, lme4's lmer()/glmer() with verbose = 1 (nloptwrap):
//
//	iteration: 12                                    lme4_iteration 12
//		f(x) = 1744.767818                           lme4_objective 1744.767818 (only right after an iteration line)
//
// Gbm, gbm(verbose = TRUE): a header row, then rows of numbers; one gauge
// per column, named from the header with CamelCase split:
//
//	Iter   TrainDeviance   ValidDeviance   StepSize   Improve
//	     1        0.3970          0.4475     0.1000    0.0548
//	                                                 gbm_iteration 1, gbm_train_deviance 0.397,
//	                                                 gbm_valid_deviance, gbm_step_size, gbm_improve
//
// RandomForest, randomForest(do.trace = n):
//
//	ntree      OOB      1      2      3
//	   10:   4.03%  0.00%  4.00%  8.00%              randomforest_ntree 10, randomforest_oob_error 0.0403,
//	                                                 randomforest_class_error_1 0, _2 0.04, _3 0.08
//	Tree |      MSE  %Var(y) |
//	  10 |    9.911    28.17 |                       randomforest_ntree 10, randomforest_mse 9.911,
//	                                                 randomforest_var_y 28.17 (test set: randomforest_test_*)
//
// A table row is only read right after its header or earlier rows: any other
// line ends the table, so a row of numbers without its header is never read.
//
// Caret, caret::train() with trainControl(verboseIter = TRUE):
//
//   - Fold1: intercept=TRUE                          caret_folds_started 1, caret_phase "resampling"
//   - Fold1: intercept=TRUE                          caret_folds_done 1
//     Aggregating results                              caret_phase "aggregating"
//     Fitting final model on full training set         caret_phase "final model"
//
// The counts run over the whole job (one per resample and tuning set); the
// phases are only read once a fold was seen.
//
// Stan, rstan/brms sampling and CmdStan/cmdstanr, per chain N:
//
//	Chain 1: Iteration:  200 / 2000 [ 10%]  (Warmup)   stan_chain_1_iteration 200/2000, stan_chain_1_phase "warmup"
//	Chain 1:  Elapsed Time: 0.05 seconds (Warm-up)     stan_chain_1_warmup_seconds 0.05
//	Chain 1:                0.04 seconds (Sampling)    stan_chain_1_sampling_seconds 0.04
//	Chain 1:                0.09 seconds (Total)       stan_chain_1_total_seconds 0.09
//
// "Chain 1 Iteration: ..." (cmdstanr) is read too; without a chain prefix the
// names are stan_iteration, stan_phase, stan_warmup_seconds and so on.
//
// # The user's recogniser
//
// NewRegexp builds a recogniser from a regular expression (RE2 syntax) with
// named groups: value (named by a name group, else by the recogniser's
// name), total (with value: a Progress), or any other group name as a
// metric of its own. It refuses an expression that does not compile, is
// longer than MaxRegexpLen, or has no group to take a value from (errors.Is
// ErrBadRegexp, ErrNoValue, ErrBadName). Values are read with package
// parser's value grammar, so units convert: "12 ms" is 0.012.
//
//	re, err := recognise.NewRegexp("val loss", `^val_loss=(?P<value>\S+)$`)
//	set := recognise.NewSet(append([]recognise.Recogniser{re}, recognise.Default()...)...)
//
// Users give them in the mapping file's recognisers list (package mapping,
// which compiles them with NewRegexp); rexporter run puts them before the
// built-in recognisers, so that a user's format wins over a built-in one.
package recognise
