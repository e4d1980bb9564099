package dev.kiln.core.backend;

/** One device of a backend: its id (the PJRT device id, or 0 for the Java backend) and kind (e.g. "cpu", "H100"). */
public record Device(int id, String kind) {}
