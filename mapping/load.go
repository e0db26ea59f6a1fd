package mapping

import (
	"io"
	"os"
)

// maxFileSize bounds a mapping file; real ones are a few kilobytes.
const maxFileSize = 4 << 20

// Load reads the mapping file at path and parses it (see Parse).
func Load(path string) (*Mapper, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Msg: "the file is larger than 4 MiB"}
	}
	return Parse(data, path)
}

// Parse parses, compiles and validates a mapping file. filename is used in
// errors and in Mapping.Rule. Every problem found is reported, each as an
// *Error naming the file and line, joined with errors.Join. An empty file is
// valid and behaves like Default.
func Parse(data []byte, filename string) (*Mapper, error) {
	if filename == "" {
		filename = "<config>"
	}
	errs := &errorList{file: filename}
	cfg := decode(data, errs)
	if len(errs.errs) > 0 {
		return nil, errs.err()
	}
	return build(filename, cfg)
}
