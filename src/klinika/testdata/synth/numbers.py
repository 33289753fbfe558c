"""Identifiers with check digits, computed for a whole batch at once (numpy, no per-row Python)."""
import datetime
import functools

import numpy as np

from klinika.testdata.synth.reference import number_strings, strings

PESEL_WEIGHTS = np.array([1, 3, 7, 9, 1, 3, 7, 9, 1, 3], dtype=np.int64)
EPOCH = np.datetime64("1900-01-01", "D")
# PESEL covers births 1800-2299; the generator uses 1900-2099 (month + 0 and month + 20).
PESEL_DAYS = (datetime.date(2100, 1, 1) - datetime.date(1900, 1, 1)).days
# 1,000 serials x 5 even or odd sex digits: the numbers one birth date and sex can have.
PESEL_PER_DAY_AND_SEX = 5000
# Coprime with 5,000, so k -> k * STEP mod 5,000 visits every serial once before repeating.
PESEL_STEP = 2731


def digits_of(numbers: np.ndarray, width: int) -> np.ndarray:
    """(n, width) array of the decimal digits of non-negative integers, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (numbers[:, None] // powers) % 10


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    if numbers.size == 0:  # zfill reduces over the lengths, which an empty array has none of
        return np.empty(numbers.shape, dtype=f"U{width}")
    return np.strings.zfill(numbers.astype(np.int64).astype(f"U{width}"), width)


def split_date(days: np.ndarray):
    """Year, month, day arrays for datetime64[D] values, in integer arithmetic (H. Hinnant's
    civil_from_days), several times faster than numpy's datetime64[Y]/[M] conversions."""
    z = days.astype("datetime64[D]").astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


class PeselAllocator:
    """Unique PESEL numbers across batches: the k-th person born on a day with a sex gets the
    k-th serial of a seed-dependent walk through that day's 5,000 numbers. State: one counter
    per (day, sex) of 1900-2099, about 600 kB whatever the number of people."""

    def __init__(self, seed: int):
        self.counts = np.zeros(PESEL_DAYS * 2, dtype=np.int32)
        self.offset = seed % PESEL_PER_DAY_AND_SEX

    def allocate(self, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        """PESEL strings for birth dates (datetime64[D]) and sexes (bool, True for male)."""
        n = len(birth)
        if n == 0:
            return np.array([], dtype="U11")
        day = (birth - EPOCH).astype(np.int64)
        if day.min() < 0 or day.max() >= PESEL_DAYS:
            raise ValueError("PESEL birth dates must fall in 1900-2099")
        cell = day * 2 + male.astype(np.int64)
        order = np.argsort(cell, kind="stable")
        sorted_cells = cell[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_cells)) + 1]
        run_lengths = np.diff(np.r_[starts, n])
        rank_sorted = np.arange(n) - np.repeat(starts, run_lengths)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = rank_sorted
        k = self.counts[cell] + rank
        if k.max() >= PESEL_PER_DAY_AND_SEX:
            raise ValueError("more than 5,000 people of one sex born on one day: PESEL has no more numbers")
        self.counts[sorted_cells[starts]] += run_lengths.astype(np.int32)  # distinct cells: no np.add.at
        walk = (k * PESEL_STEP + (cell * 2654435761 + self.offset) % PESEL_PER_DAY_AND_SEX) % PESEL_PER_DAY_AND_SEX
        return pesel_numbers(birth, male, walk // 5, walk % 5)


def pesel_numbers(birth: np.ndarray, male: np.ndarray, serial: np.ndarray, sex_slot: np.ndarray) -> np.ndarray:
    """PESELs from birth dates, sexes, serials (0-999) and which of the 5 sex digits (0-4)."""
    year, month, day = split_date(birth)
    yy = year % 100
    month = month + np.where(year >= 2000, 20, 0)
    sex_digit = sex_slot * 2 + male.astype(np.int64)
    # Weights 1 3 7 9 | 1 3 | 7 9 1 | 3 over YY MM DD ZZZ S, digit by digit.
    weighted = ((yy // 10) + 3 * (yy % 10) + 7 * (month // 10) + 9 * (month % 10) + (day // 10) + 3 * (day % 10)
                + 7 * (serial // 100) + 9 * (serial // 10 % 10) + (serial % 10) + 3 * sex_digit)
    check = (10 - weighted % 10) % 10
    number = ((((yy * 100 + month) * 100 + day) * 1000 + serial) * 10 + sex_digit) * 10 + check
    return zero_padded(number, 11)


def npwz_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct doctors' licence numbers: K then six digits, K = sum(i * digit_i) mod 11 in 1..9."""
    found: list[int] = []
    seen: set[int] = set()
    weights = np.arange(1, 7)
    while len(found) < n:
        body = rng.integers(0, 1_000_000, size=2 * (n - len(found)) + 16)
        check = digits_of(body, 6) @ weights % 11
        for value in (check * 1_000_000 + body)[(check >= 1) & (check <= 9)].tolist():
            if value not in seen and len(found) < n:
                seen.add(value)
                found.append(value)
    return zero_padded(np.array(found, dtype=np.int64), 7)


def nursing_licence_numbers(rng: np.random.Generator, letters: np.ndarray) -> np.ndarray:
    """Distinct nurse (P) and midwife (A) licence numbers: chamber 01-45, five digits, the letter."""
    n = len(letters)
    found: dict[int, None] = {}
    while len(found) < n:
        chamber = rng.integers(1, 46, size=n)
        number = rng.integers(0, 100_000, size=n)
        for value in (chamber * 100_000 + number).tolist():
            if len(found) < n:
                found.setdefault(value)
    return np.strings.add(zero_padded(np.array(list(found), dtype=np.int64), 7), letters)


def permute(values: np.ndarray, modulus: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, modulus): a 4-round Feistel network over the smallest even
    number of bits that holds modulus, cycle-walked back into range. Distinct inputs give
    distinct outputs that do not look like a sequence (phone numbers, passport numbers)."""
    half = max(1, (int(modulus - 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1
    keys = [(key * 0x9E3779B1 + r * 0x85EBCA6B) & 0xFFFFFFFF for r in range(4)]
    out = values.astype(np.int64) % modulus
    pending = np.ones(len(out), dtype=bool)
    while pending.any():
        x = out[pending]
        left, right = x >> half, x & mask
        for k in keys:
            mixed = ((right * 0x2545F491 + k) ^ (right >> 3)) & 0xFFFFFFFF
            left, right = right, left ^ ((mixed ^ (mixed >> 13)) & mask)
        x = (left << half) | right
        out[pending] = x
        pending[pending] = x >= modulus
    return out


def mobile_numbers(prefix: np.ndarray, index: np.ndarray, key: int) -> np.ndarray:
    """"+48 5XX XXX XXX" numbers, distinct for distinct `index` below 10**7 within a prefix."""
    national = prefix.astype(np.int64) * 10_000_000 + permute(index, 10_000_000, key)
    return (_phone_heads()[national // 1_000_000] + _phone_middles()[national // 1000 % 1000]
            + number_strings(3, 1000)[national % 1000])


@functools.cache
def _phone_heads():
    return strings(f"+48 {i:03d} " for i in range(1000))


@functools.cache
def _phone_middles():
    return strings(f"{i:03d} " for i in range(1000))
