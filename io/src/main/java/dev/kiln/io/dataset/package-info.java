/** The seed's dataset folder: columns, stats, date-block folds, the CSV converter, synthetic data and the inspector. */
package dev.kiln.io.dataset;
