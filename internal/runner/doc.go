// Package runner supervises a job's process for `rexporter run`: it starts
// the command, passes its output through line by line to a callback,
// forwards signals, samples the process tree's CPU time and resident memory
// from /proc, and tells how the process ended (exit status, signal, OOM
// kill from the cgroup's memory events).
//
// It knows nothing of metrics or of the network: cmd/rexporter turns what it
// reports into run control messages.
package runner
