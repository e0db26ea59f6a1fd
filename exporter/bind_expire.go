package exporter

import "time"

// expire removes series whose TTL has passed and jobs (with their series)
// whose retention has passed. A series of a connected job never expires.
// Called with e.mu held.
func (e *Exporter) expire(now time.Time) {
	var gone []*series
	nowNano := now.UnixNano()
	for _, s := range e.list {
		if seriesDue(s, nowNano) {
			gone = append(gone, s)
		}
	}
	for name, j := range e.jobs {
		if e.jobDue(j, now) {
			delete(e.jobs, name)
			gone = append(gone, j.series...)
		}
	}
	e.buryExpired(gone)
	e.remove(gone)
}

// seriesTTL is how long a series lives without values; 0 for ever. It
// never changes: a series keeps the mapping it was made with.
func seriesTTL(s *series) time.Duration {
	if s.b != nil {
		return s.b.mp.TTL
	}
	return s.m.mp.TTL
}

// seriesDue reports whether a series' TTL has passed at nowNano. Called
// with e.mu held (read or write).
func seriesDue(s *series, nowNano int64) bool {
	ttl := seriesTTL(s)
	if ttl <= 0 {
		return false
	}
	last := s.updated.Load()
	if last == 0 {
		return false
	}
	if j := s.job; j != nil {
		// A job that is still connected may be in a quiet phase: its
		// series stay. The TTL runs from its last value or its end,
		// whichever is later.
		if j.connections > 0 {
			return false
		}
		last = max(last, j.end.UnixNano())
	}
	return nowNano-last >= int64(ttl)
}

// jobDue reports whether an ended job's retention has passed at now.
// Called with e.mu held (read or write).
func (e *Exporter) jobDue(j *job, now time.Time) bool {
	return j.connections == 0 && now.Sub(j.end) >= e.opts.JobRetention
}

// anyDue reports whether expire(now) would remove anything: a job past its
// retention, or a series past its TTL among ttl (the series of the first
// covered ones of e.list that have a TTL) and the rest of the list. It
// only reads, so a scrape can ask under the read lock and take the write
// lock only when there is something to remove. Called with e.mu held
// (read or write).
func (e *Exporter) anyDue(now time.Time, ttl []*series, covered int) bool {
	for _, j := range e.jobs {
		if e.jobDue(j, now) {
			return true
		}
	}
	nowNano := now.UnixNano()
	for _, s := range ttl {
		if seriesDue(s, nowNano) {
			return true
		}
	}
	for _, s := range e.list[covered:] {
		if seriesDue(s, nowNano) {
			return true
		}
	}
	return false
}

// remove forgets series, and the metrics and bindings left without any.
// Called with e.mu held.
func (e *Exporter) remove(gone []*series) {
	if len(gone) == 0 {
		return
	}
	for _, s := range gone {
		if s.dead {
			continue
		}
		s.dead = true
		m := s.m
		if s == m.overflow {
			m.overflow = nil
		} else {
			delete(e.names, s.key)
			e.table.Load().delete(s)
			m.owners.delete(labelKey(s.labels))
			m.live--
			s.b.series = deleteSeries(s.b.series, s)
			if len(s.b.series) == 0 {
				delete(e.bindings, s.b.raw)
			}
			if s.job != nil {
				s.job.series = deleteSeries(s.job.series, s)
			}
		}
		// Bindings of m have all lost their series by now and were deleted
		// with the last of them.
		if m.live == 0 && m.overflow == nil {
			delete(e.metrics, m.base)
			for _, n := range m.names {
				delete(e.taken, n)
			}
		}
	}
	kept := e.list[:0]
	for _, s := range e.list {
		if !s.dead {
			kept = append(kept, s)
		}
	}
	clear(e.list[len(kept):])
	e.list = kept
	e.self.series.Set(float64(len(e.list)))
	e.gen.Add(1)
}

func deleteSeries(list []*series, s *series) []*series {
	for i, x := range list {
		if x == s {
			list[i] = list[len(list)-1]
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}
