package deploycheck

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
)

// offlineResolver stands in for a registry: BuildKit asks it for each base
// image's configuration, and it answers with a plausible Linux image
// (non-empty layers, a PATH) without any network. It records what was asked
// so that tests can check the base images themselves.
type offlineResolver struct {
	mu   sync.Mutex
	refs []string
}

// ResolveImageConfig implements llb.ImageMetaResolver.
func (r *offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	r.mu.Lock()
	r.refs = append(r.refs, ref)
	r.mu.Unlock()
	arch, os := "amd64", "linux"
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		arch, os = opt.ImageOpt.Platform.Architecture, opt.ImageOpt.Platform.OS
	}
	cfg, err := json.Marshal(map[string]any{
		"architecture": arch,
		"os":           os,
		"config":       map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		// One layer, so BuildKit treats the image as a real base, not scratch.
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest.FromString(ref).String()}},
	})
	return ref, "", cfg, err
}

var _ llb.ImageMetaResolver = (*offlineResolver)(nil)

// DockerfileLint runs BuildKit's Dockerfile linter (the rules behind
// `docker build --check`) offline. It returns one line per warning, the base
// images the Dockerfile resolves (build arguments expanded), and an error if
// the Dockerfile does not even convert.
func DockerfileLint(ctx context.Context, name string, dt []byte) (warnings, baseImages []string, err error) {
	res := &offlineResolver{}
	sm := llb.NewSourceMap(nil, name, "Dockerfile", dt)
	sm.Definition = &llb.Definition{} // the linter converts the source map to protobuf; nil is not allowed
	results, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		MetaResolver: res,
		SourceMap:    sm,
	})
	if err != nil {
		return nil, nil, err
	}
	for _, w := range results.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		warnings = append(warnings, fmt.Sprintf("%s:%d: %s: %s (%s)", name, line, w.RuleName, w.Detail, w.URL))
	}
	if results.Error != nil {
		return warnings, res.refs, fmt.Errorf("%s: %s", name, strings.TrimSpace(results.Error.Message))
	}
	return warnings, res.refs, nil
}
