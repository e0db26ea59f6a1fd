package exporter

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// SaveStateFile writes SaveState's document to path atomically: to a
// temporary file in the same directory, synced, then renamed over path, so
// a crash leaves the old file or the new one, never half of one.
func (e *Exporter) SaveStateFile(path string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	tmp := f.Name()
	w := bufio.NewWriterSize(f, 64<<10)
	err = e.SaveState(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("state file %s: %w", path, err)
	}
	return nil
}

// LoadStateFile restores the state saved in path (see LoadState). A missing
// file is not an error: there is nothing to restore (the first start).
// Errors name the file.
func (e *Exporter) LoadStateFile(path string) (LoadStats, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return LoadStats{}, nil
	}
	if err != nil {
		return LoadStats{}, fmt.Errorf("state file %s: %w", path, err)
	}
	defer f.Close()
	st, err := e.LoadState(bufio.NewReader(f))
	if err != nil {
		return LoadStats{}, fmt.Errorf("state file %s: %w", path, err)
	}
	return st, nil
}
