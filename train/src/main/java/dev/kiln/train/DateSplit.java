package dev.kiln.train;

/**
 * The dates a run trains and validates on, each an inclusive range, read from every fold of the dataset instead of
 * the folds {@code --holdout} picks: a cross-validation split. The row filter's own bounds still apply within them.
 */
public record DateSplit(int trainFirst, int trainLast, int validFirst, int validLast) {
  /** Checks that the ranges are not empty and that training ends before validation begins. */
  public DateSplit {
    if (trainLast < trainFirst || validLast < validFirst) {
      throw new IllegalArgumentException("empty date range in training " + trainFirst + ".." + trainLast
          + " or validation " + validFirst + ".." + validLast);
    }
    if (trainLast >= validFirst) {
      throw new IllegalArgumentException("training dates " + trainFirst + ".." + trainLast + " must end before the "
          + "validation dates " + validFirst + ".." + validLast);
    }
  }

  /** "first..last" of the training dates. */
  public String train() {
    return trainFirst + ".." + trainLast;
  }

  /** "first..last" of the validation dates. */
  public String valid() {
    return validFirst + ".." + validLast;
  }
}
