/** JMH benchmarks of Kiln's kernels and data path. Build with {@code mvn package}, run {@code java -jar bench/target/benchmarks.jar}. */
package dev.kiln.bench;
