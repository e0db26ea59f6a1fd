package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// topLevelServeFlags are the serve flags `rexporter --help` shows, since
// `rexporter --listen 6000 --metrics :9100` is the line users type.
var topLevelServeFlags = []string{"listen", "metrics", "config.file", "web.config.file", "listen.allow"}

// helpPrinter is kong's help with one addition: the top-level help (no
// command chosen) also lists the serve command's main flags, because serve is
// the default command and its flags are what a user types.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	if err := kong.DefaultHelpPrinter(options, ctx); err != nil {
		return err
	}
	if ctx.Selected() != nil {
		return nil
	}
	var serve *kong.Node
	for _, n := range ctx.Model.Children {
		if n.Name == "serve" {
			serve = n
		}
	}
	if serve == nil {
		return nil
	}
	writeServeFlags(ctx.Stdout, serve)
	return nil
}

// writeServeFlags prints the chosen serve flags in kong's two-column layout.
func writeServeFlags(w io.Writer, serve *kong.Node) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Serve flags (serve is the default command: "rexporter --listen 6000 --metrics :9100"):`)
	for _, name := range topLevelServeFlags {
		for _, f := range serve.Flags {
			if f.Name != name {
				continue
			}
			left := f.String()
			if len(left) > 27 {
				fmt.Fprintf(w, "  %s\n", left)
				left = ""
			}
			for i, l := range wrap(f.Help, 50) {
				if i > 0 {
					left = ""
				}
				fmt.Fprintf(w, "  %-27s  %s\n", left, l)
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "rexporter serve --help" for every serve flag.`)
}

// wrap splits text into lines of at most width bytes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}
