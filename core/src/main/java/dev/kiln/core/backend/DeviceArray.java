package dev.kiln.core.backend;

import dev.kiln.core.TensorType;

/**
 * An array resident on a device. Closing it frees the device memory; a donated array is consumed by the run that
 * took it and may not be used again.
 */
public interface DeviceArray extends AutoCloseable {
  TensorType type();

  Device device();

  /** True once closed or consumed by donation. */
  boolean isDeleted();

  @Override
  void close();
}
