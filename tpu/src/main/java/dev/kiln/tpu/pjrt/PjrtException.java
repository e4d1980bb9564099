package dev.kiln.tpu.pjrt;

/** A PJRT call failed: carries the plugin's error code (PJRT_Error_Code) and message, prefixed with the call. */
public final class PjrtException extends RuntimeException {
  private static final String[] CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  private final int code;

  public PjrtException(int code, String message) {
    super(message + " [" + codeName(code) + "]");
    this.code = code;
  }

  /** The numeric PJRT error code (2 = UNKNOWN when the plugin gave none). */
  public int code() {
    return code;
  }

  public static String codeName(int code) {
    return code >= 0 && code < CODES.length ? CODES[code] : "CODE_" + code;
  }
}
