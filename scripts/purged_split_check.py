#!/usr/bin/env python3
"""Checks the splits PurgedSplitsTest expects against PurgedGroupTimeSeriesSplit's rule.

The reference is the PurgedGroupTimeSeriesSplit the Jane Street Market Prediction competitors validated with
(published in the Kaggle notebook "Purged Time Series CV, XGBoost, Optuna"; a copy is src/cross_val.py of
github.com/marketneutral/localstreet, itself modified from a scikit-learn fork). `reference_split` below is written
from its description, step by step in plain Python (no numpy needed): unique groups in order of first appearance;
n_splits + 1 folds; test blocks of min(n_groups // n_folds, max_test_group_size) groups at the end; training groups
[max(0, start - gap - max_train), start - gap); and, as the reference does, the first `gap` *rows* of each test set
dropped. Kiln validates on whole dates (docs/training.md), so the check compares the dates of the training rows, and
the test rows with the reference's row quirk applied to Kiln's validation dates.

Run: python3 scripts/purged_split_check.py  (prints one line per case and "all N cases agree").
"""
import math
import sys

INF = math.inf


def reference_split(groups, n_splits, group_gap, max_train_group_size=INF, max_test_group_size=INF):
    """Yields (train row indices, test row indices) per split, as the reference does."""
    n_folds = n_splits + 1
    unique_groups, group_rows = [], {}
    for idx, g in enumerate(groups):
        if g not in group_rows:
            unique_groups.append(g)
            group_rows[g] = []
        group_rows[g].append(idx)
    n_groups = len(unique_groups)
    if n_folds > n_groups:
        raise ValueError(f"Cannot have number of folds={n_folds} greater than the number of groups={n_groups}")
    group_test_size = min(n_groups // n_folds, max_test_group_size)
    for group_test_start in range(n_groups - n_splits * group_test_size, n_groups, group_test_size):
        group_st = max(0, group_test_start - group_gap - max_train_group_size)
        train = sorted(i for g in unique_groups[int(group_st):group_test_start - group_gap] for i in group_rows[g])
        test = sorted(i for g in unique_groups[group_test_start:group_test_start + group_test_size]
                      for i in group_rows[g])
        yield train, test[group_gap:]


# (dates, splits, gap, max_train, max_valid) -> Kiln's splits: (train_first, train_last, valid_first, valid_last),
# exactly as train/src/test/java/dev/kiln/train/PurgedSplitsTest.java expects them.
CASES = [
    (list(range(20)), 3, 2, INF, INF, [(0, 2, 5, 9), (0, 7, 10, 14), (0, 12, 15, 19)]),
    (list(range(20)), 3, 2, 4, INF, [(0, 2, 5, 9), (4, 7, 10, 14), (9, 12, 15, 19)]),
    (list(range(20)), 3, 0, INF, 3, [(0, 10, 11, 13), (0, 13, 14, 16), (0, 16, 17, 19)]),
    ([3, 4, 7, 8, 10, 11, 15, 20, 21, 30], 2, 1, INF, INF, [(3, 7, 10, 15), (3, 11, 20, 30)]),
    (list(range(500)), 5, 31, INF, INF, [(0, 53, 85, 167), None, None, None, (0, 385, 417, 499)]),
    (list(range(86, 500)), 5, 31, INF, INF, [(86, 123, 155, 223), None, None, None, None]),
    (list(range(20)), 3, 4, INF, INF, [(0, 0, 5, 9), None, None]),
]


def check(dates, splits, gap, max_train, max_valid, expected, rows_per_date=3):
    groups = [d for d in dates for _ in range(rows_per_date)]
    got = list(reference_split(groups, splits, gap, max_train, max_valid))
    assert len(got) == len(expected), (len(got), expected)
    for k, ((train, test), want) in enumerate(zip(got, expected)):
        if want is None:
            continue
        t0, t1, v0, v1 = want
        train_dates = sorted({groups[i] for i in train})
        assert train_dates == [d for d in dates if t0 <= d <= t1], (k, train_dates, want)
        valid_rows = [i for i, g in enumerate(groups) if v0 <= g <= v1]
        assert test == valid_rows[gap:], (k, test, want)
    return got


def main():
    for case in CASES:
        check(*case)
        print(f"{len(case[0])} dates, splits {case[1]}, gap {case[2]}, max train {case[3]}, max valid {case[4]}: ok")
    print(f"all {len(CASES)} cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
