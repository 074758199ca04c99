"""Vectorised index of eligible (specialist, request) pairs and their quality.

Requests only look at specialists of their profession living in cities within
travel reach (remote work reaches everyone), so national instances stay sparse.
The per-pair logic mirrors ``rules.py``; tests compare the two pair by pair.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talentbank.solver import rules
from talentbank.solver.problem import Problem, Request


@dataclass
class EligiblePairs:
    """Parallel arrays, one entry per eligible pair, sorted by (request, specialist)."""

    spec: np.ndarray  # specialist index (problem.specialists order)
    req: np.ndarray  # request index (problem.requests order)
    is_remote: np.ndarray  # served remotely
    minutes: np.ndarray  # travel minutes (0 when remote)
    quality: np.ndarray  # total quality score, equal to rules.score_parts()["total"]
    tie: np.ndarray | None = None  # rules.pair_tie_value(): breaks equal scores by the raw facts

    def __len__(self) -> int:
        return int(self.spec.shape[0])


# A request that requires no training: every day (and "never", -1) is on or after it.
NO_CUTOFF = np.iinfo(np.int64).min


def _expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate the ranges starts[i] .. starts[i] + lengths[i] without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)


class EligibilityIndex:
    """Arrays over specialists and cities, built once per problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        specs = problem.specialists
        n = len(specs)
        self.n_specialists = n
        self.city_codes = [c.code for c in problem.cities]
        self.city_index = {code: i for i, code in enumerate(self.city_codes)}
        n_cities = len(self.city_codes)
        self.n_cities = n_cities
        ci = self.city_index

        # data: one array per specialist attribute
        self.home = np.array([ci[s.home_city] for s in specs], dtype=np.int64)
        self.employer = np.array([ci[s.employer_city] if s.employer_city else -1 for s in specs],
                                 dtype=np.int64)
        self.days = np.array([s.days_per_week for s in specs], dtype=np.int64)
        self.max_travel = np.array([s.max_travel_minutes for s in specs], dtype=np.int64)
        self.has_onsite = np.array(["onsite" in s.modes for s in specs], dtype=bool)
        self.has_remote = np.array(["remote" in s.modes for s in specs], dtype=bool)
        first = [s.availability[0] if s.availability else None for s in specs]
        self.avail_start = np.array([w.start.toordinal() if w else 1 << 40 for w in first], dtype=np.int64)
        self.avail_end = np.array([w.end.toordinal() if w else -1 for w in first], dtype=np.int64)
        self.multi_window = np.array([len(s.availability) > 1 for s in specs], dtype=bool)
        self.has_busy = np.array([bool(s.busy) for s in specs], dtype=bool)

        # licences that some request requires, as bit masks over uint64 words
        required = sorted({lic for r in problem.requests for lic in r.required_licences})
        self.licence_bit = {lic: i for i, lic in enumerate(required)}
        self.words = max(1, (len(required) + 63) // 64)
        self.licence_mask = np.zeros((n, self.words), dtype=np.uint64)
        for i, s in enumerate(specs):
            for lic in s.licences:
                bit = self.licence_bit.get(lic)
                if bit is not None:
                    self.licence_mask[i, bit // 64] |= np.uint64(1 << (bit % 64))
        self.licence_count = np.array([len(s.licences) for s in specs], dtype=np.int64)

        # (specialist, city) memberships encoded as spec * n_cities + city, sorted
        def codes(attr: str) -> np.ndarray:
            return np.array(sorted(i * n_cities + ci[c] for i, s in enumerate(specs)
                                   for c in getattr(s, attr)), dtype=np.int64)

        self.excluded_codes = codes("excluded_cities")
        self.preferred_codes = codes("preferred_cities")
        self.previous_codes = codes("previous_cities")
        spec_index = {s.id: i for i, s in enumerate(specs)}
        self.spec_index = spec_index
        self.forbidden_by_request: dict[str, np.ndarray] = {}
        for pair in problem.forbidden:
            self.forbidden_by_request.setdefault(pair.request, []).append(spec_index[pair.specialist])
        self.forbidden_by_request = {k: np.array(sorted(v), dtype=np.int64)
                                     for k, v in self.forbidden_by_request.items()}
        req_index = {r.id: j for j, r in enumerate(problem.requests)}
        self.forbidden_codes = np.array(sorted(
            spec_index[p.specialist] * len(problem.requests) + req_index[p.request]
            for p in problem.forbidden), dtype=np.int64)

        # experience per desired field
        fields = sorted({f for r in problem.requests for f in r.desired_fields})
        self.experience = {f: np.array([s.experience.get(f, 0.0) for s in specs], dtype=np.float64)
                           for f in fields}

        # neighbours: city -> (cities within some travel, minutes), including itself at 0
        neighbours: list[list[tuple[int, int]]] = [[(c, 0)] for c in range(n_cities)]
        for (a, b), minutes in problem.travel.items():
            neighbours[ci[b]].append((ci[a], minutes))  # from home a to request city b
        for nb in neighbours:
            nb.sort()
        self.nb_city = [np.array([c for c, _ in nb], dtype=np.int64) for nb in neighbours]
        self.nb_ptr = np.concatenate([[0], np.cumsum([len(nb) for nb in neighbours])]).astype(np.int64)
        self.nb_flat_city = np.concatenate(self.nb_city) if n_cities else np.empty(0, np.int64)
        self.nb_flat_minutes = np.array([m for nb in neighbours for _, m in nb], dtype=np.int64)
        self.nb_minutes = [np.array([m for _, m in nb], dtype=np.int64) for nb in neighbours]

        self.request_city = np.array([ci[r.city] for r in problem.requests], dtype=np.int64)

        # recent training (rules.has_recent_training): per request the earliest training day that counts
        # (ordinal; NO_CUTOFF when none is required), and per specialist the latest day attended of each
        # profession some request requires it for (column ``training_column[request]``; -1 = never)
        cutoffs = [rules.training_cutoff(r, problem) for r in problem.requests]
        trained_professions = sorted({r.profession for r, c in zip(problem.requests, cutoffs) if c is not None})
        column = {p: k for k, p in enumerate(trained_professions)}
        self.training_cutoff = np.array([c.toordinal() if c is not None else NO_CUTOFF for c in cutoffs],
                                        dtype=np.int64)
        self.training_column = np.array([column.get(r.profession, -1) for r in problem.requests], dtype=np.int64)
        self.trained = np.full((n, len(trained_professions)), -1, dtype=np.int64)
        for i, s in enumerate(specs):
            for p, day in s.trainings.items():
                k = column.get(p)
                if k is not None:
                    self.trained[i, k] = day.toordinal()

        # professions: on-site-capable specialists sorted by home city (CSR), remote ones
        by_prof: dict[str, list[int]] = {}
        for i, s in enumerate(specs):
            for p in s.professions:
                by_prof.setdefault(p, []).append(i)
        self.profession_members = {p: np.array(v, dtype=np.int64) for p, v in by_prof.items()}
        self.onsite_csr: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.remote_members: dict[str, np.ndarray] = {}
        for p, members in self.profession_members.items():
            onsite = members[self.has_onsite[members]]
            onsite = onsite[np.argsort(self.home[onsite], kind="stable")]
            starts = np.searchsorted(self.home[onsite], np.arange(n_cities + 1))
            self.onsite_csr[p] = (onsite, starts)
            self.remote_members[p] = members[self.has_remote[members]]

    # ------------------------------------------------------------------ per request

    def _covers(self, cand: np.ndarray, r: Request) -> np.ndarray:
        start, end = r.start.toordinal(), r.end.toordinal()
        ok = (self.avail_start[cand] <= start) & (self.avail_end[cand] >= end)
        multi = np.flatnonzero(self.multi_window[cand] & ~ok)
        specs = self.problem.specialists
        for k in multi:
            ok[k] = rules.is_available_for_period(specs[int(cand[k])], r, self.problem)
        return ok

    def _holds(self, cand: np.ndarray, r: Request) -> np.ndarray:
        if not r.required_licences:
            return np.ones(cand.shape[0], dtype=bool)
        need = np.zeros(self.words, dtype=np.uint64)
        for lic in r.required_licences:
            bit = self.licence_bit[lic]
            need[bit // 64] |= np.uint64(1 << (bit % 64))
        return np.all((self.licence_mask[cand] & need) == need, axis=1)

    def _member(self, cand: np.ndarray, city, sorted_codes: np.ndarray) -> np.ndarray:
        if sorted_codes.shape[0] == 0:
            return np.zeros(cand.shape[0], dtype=bool)
        keys = cand * self.n_cities + city
        pos = np.minimum(np.searchsorted(sorted_codes, keys), sorted_codes.shape[0] - 1)
        return sorted_codes[pos] == keys

    def _not_busy(self, cand: np.ndarray, r: Request) -> np.ndarray:
        ok = np.ones(cand.shape[0], dtype=bool)
        specs = self.problem.specialists
        for k in np.flatnonzero(self.has_busy[cand]).tolist():
            ok[k] = not specs[int(cand[k])].busy_during(r.start, r.end)
        return ok

    def _quality(self, spec: np.ndarray, req: np.ndarray,
                 minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Total quality of each pair (same parts as rules.score_parts) and its tie value, in bulk."""
        requests = self.problem.requests
        city = self.request_city[req]
        years = np.zeros(spec.shape[0], dtype=np.float64)
        for f, exp in self.experience.items():
            wants = np.array([f in r.desired_fields for r in requests], dtype=bool)[req]
            years[wants] += exp[spec[wants]]
        total = np.minimum(rules.EXPERIENCE_CAP_YEARS, years).astype(np.int64)
        required = np.array([len(r.required_licences) for r in requests], dtype=np.int64)[req]
        extra = self.licence_count[spec] - required
        total += rules.EXTRA_LICENCE_POINTS * np.minimum(rules.EXTRA_LICENCE_CAP, extra)
        total += np.maximum(0, rules.TRAVEL_POINTS - minutes // rules.TRAVEL_MINUTES_PER_POINT)
        total += rules.PREFERRED_CITY_POINTS * self._member(spec, city, self.preferred_codes)
        total += rules.CONTINUITY_POINTS * self._member(spec, city, self.previous_codes)
        # the tie value (rules.tie_value): shorter journey, then more years, then more licences
        m = np.clip(minutes, 0, rules.TIE_MINUTES_CAP)
        y = np.clip(np.floor(years), 0, rules.TIE_YEARS_CAP).astype(np.int64)
        x = np.clip(extra, 0, rules.TIE_LICENCES_CAP)
        tie = ((rules.TIE_MINUTES_CAP - m) * (rules.TIE_YEARS_CAP + 1) + y) \
            * (rules.TIE_LICENCES_CAP + 1) + x
        return total, tie.astype(np.int64)

    def _request_masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per request: required-licence masks, start and end ordinals."""
        requests = self.problem.requests
        need = np.zeros((len(requests), self.words), dtype=np.uint64)
        for j, r in enumerate(requests):
            for lic in r.required_licences:
                bit = self.licence_bit[lic]
                need[j, bit // 64] |= np.uint64(1 << (bit % 64))
        starts = np.array([r.start.toordinal() for r in requests], dtype=np.int64)
        ends = np.array([r.end.toordinal() for r in requests], dtype=np.int64)
        return need, starts, ends

    def _onsite_join(self, reqs: np.ndarray, profession: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(request, specialist, minutes) for on-site service: requests x cities in reach x residents."""
        members, starts = self.onsite_csr[profession]
        cities = self.request_city[reqs]
        lo, hi = self.nb_ptr[cities], self.nb_ptr[cities + 1]
        pos = _expand(lo, hi - lo)  # every (request, neighbouring city)
        req_rep = np.repeat(reqs, hi - lo)
        nb_city, nb_min = self.nb_flat_city[pos], self.nb_flat_minutes[pos]
        lo2, hi2 = starts[nb_city], starts[nb_city + 1]
        pos2 = _expand(lo2, hi2 - lo2)  # every specialist living there
        spec = members[pos2]
        req = np.repeat(req_rep, hi2 - lo2)
        minutes = np.repeat(nb_min, hi2 - lo2)
        keep = minutes <= self.max_travel[spec]  # on-site work within their travel limit
        return req[keep], spec[keep], minutes[keep]

    def all_pairs(self) -> EligiblePairs:
        """Every eligible pair of the problem, sorted by (request, specialist), built in bulk."""
        requests = self.problem.requests
        need, req_start, req_end = self._request_masks()
        req_days = np.array([r.days_per_week for r in requests], dtype=np.int64)
        mode = np.array([("onsite", "remote", "either").index(r.mode) for r in requests], dtype=np.int64)
        profession = np.array([r.profession for r in requests], dtype=object)
        parts = []
        for p in sorted(self.profession_members):
            of_p = np.flatnonzero(profession == p)
            if of_p.shape[0] == 0:
                continue
            onsite_reqs = of_p[mode[of_p] != 1]
            req, spec, minutes = self._onsite_join(onsite_reqs, p)
            # `either` goes on site only for specialists who do not work remotely
            keep = (mode[req] == 0) | ~self.has_remote[spec]
            parts.append((req[keep], spec[keep], np.zeros(int(keep.sum()), bool), minutes[keep]))
            remote_reqs = of_p[mode[of_p] != 0]
            remote_specs = self.remote_members[p]
            if remote_reqs.shape[0] and remote_specs.shape[0]:
                req = np.repeat(remote_reqs, remote_specs.shape[0])
                spec = np.tile(remote_specs, remote_reqs.shape[0])
                parts.append((req, spec, np.ones(req.shape[0], bool), np.zeros(req.shape[0], np.int64)))
        if not parts:
            z = np.empty(0, np.int64)
            return EligiblePairs(z, z.copy(), np.empty(0, bool), z.copy(), z.copy(), z.copy())
        req = np.concatenate([x[0] for x in parts])
        spec = np.concatenate([x[1] for x in parts])
        is_remote = np.concatenate([x[2] for x in parts])
        minutes = np.concatenate([x[3] for x in parts])
        city = self.request_city[req]
        # the request's days fit the specialist's; never to their own employer
        keep = (self.days[spec] >= req_days[req]) & (self.employer[spec] != city)
        # every required licence held
        keep &= np.all((self.licence_mask[spec] & need[req]) == need[req], axis=1)
        # one availability window covers the whole period
        covered = (self.avail_start[spec] <= req_start[req]) & (self.avail_end[spec] >= req_end[req])
        for k in np.flatnonzero(keep & ~covered & self.multi_window[spec]).tolist():
            covered[k] = rules.is_available_for_period(
                self.problem.specialists[int(spec[k])], requests[int(req[k])], self.problem)
        keep &= covered
        # no busy period (committed elsewhere) overlaps the request period
        for k in np.flatnonzero(keep & self.has_busy[spec]).tolist():
            r = requests[int(req[k])]
            keep[k] = not self.problem.specialists[int(spec[k])].busy_during(r.start, r.end)
        # the specialist did not exclude the requesting city
        keep &= ~self._member(spec, city, self.excluded_codes)
        # the pair was not rejected or declined
        if self.forbidden_codes.shape[0]:
            keep &= ~np.isin(spec * len(requests) + req, self.forbidden_codes)
        # a disaster-recovery request of a profession that requires it: a training attended since the cutoff
        if self.trained.shape[1]:
            k = np.flatnonzero(keep & (self.training_cutoff[req] != NO_CUTOFF))
            rk = req[k]
            keep[k] = self.trained[spec[k], self.training_column[rk]] >= self.training_cutoff[rk]
        req, spec, is_remote, minutes = req[keep], spec[keep], is_remote[keep], minutes[keep]
        order = np.lexsort((spec, req))
        req, spec, is_remote, minutes = req[order], spec[order], is_remote[order], minutes[order]
        quality, tie = self._quality(spec, req, minutes)
        return EligiblePairs(spec, req, is_remote, minutes, quality, tie)

    # ------------------------------------------------------------------ explanations

    def ruled_out_counts(self, j: int) -> dict[str, int]:
        """For request j: how many specialists fail each hard rule first (rules.HARD_RULES order)."""
        r = self.problem.requests[j]
        n = self.n_specialists
        city = self.city_index[r.city]
        everyone = np.arange(n, dtype=np.int64)
        members = self.profession_members.get(r.profession, np.empty(0, np.int64))
        has_prof = np.zeros(n, dtype=bool)
        has_prof[members] = True
        remote_service = (self.has_remote if r.mode == "either"
                          else np.full(n, r.mode == "remote"))
        distance = np.full(self.n_cities, -1, dtype=np.int64)
        distance[self.nb_city[city]] = self.nb_minutes[city]
        minutes = distance[self.home]
        forbidden = self.forbidden_by_request.get(r.id, np.empty(0, np.int64))
        checks = {
            "profession": lambda: has_prof,
            "licences": lambda: self._holds(everyone, r),
            "availability": lambda: self._covers(everyone, r),
            "busy": lambda: self._not_busy(everyone, r),
            "days_per_week": lambda: self.days >= r.days_per_week,
            "mode": lambda: (np.ones(n, bool) if r.mode == "either"
                             else (self.has_onsite if r.mode == "onsite" else self.has_remote)),
            "travel": lambda: remote_service | ((minutes >= 0) & (minutes <= self.max_travel)),
            "excluded_city": lambda: ~self._member(everyone, city, self.excluded_codes),
            "own_employer": lambda: self.employer != city,
            "forbidden": lambda: ~np.isin(everyone, forbidden),
            "training": lambda: (np.ones(n, bool) if self.training_cutoff[j] == NO_CUTOFF
                                 else self.trained[:, self.training_column[j]] >= self.training_cutoff[j]),
        }
        remaining = np.ones(n, dtype=bool)
        counts = {}
        for name in rules.HARD_RULE_NAMES:
            ok = checks[name]()
            counts[name] = int(np.count_nonzero(remaining & ~ok))
            remaining &= ok
        return counts
