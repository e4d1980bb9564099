package dev.kiln.tpu.pjrt;

import dev.kiln.core.backend.Device;
import dev.kiln.tpu.proto.CompileOptionsProtos.CompileOptionsProto;
import dev.kiln.tpu.proto.CompileOptionsProtos.DeviceAssignmentProto;
import dev.kiln.tpu.proto.CompileOptionsProtos.ExecutableBuildOptionsProto;
import java.util.List;

/**
 * Serializes the CompileOptionsProto that PJRT_Client_Compile takes. num_replicas and num_partitions are always
 * set (proto3 would otherwise send 0); with more than one replica the device assignment names the devices, replica
 * r on devices[r].
 */
public final class CompileOptionsCodec {
  private CompileOptionsCodec() {}

  /**
   * Options for an ahead-of-time compile for a topology: replicas and one partition, no device assignment (XLA
   * assigns replica r to device r; libtpu gives the same executable fingerprint either way).
   */
  public static byte[] encodeForTopology(int replicas) {
    ExecutableBuildOptionsProto.Builder b = ExecutableBuildOptionsProto.newBuilder()
        .setNumReplicas(replicas)
        .setNumPartitions(1);
    return CompileOptionsProto.newBuilder().setExecutableBuildOptions(b).build().toByteArray();
  }

  public static byte[] encode(int replicas, List<Device> devices) {
    if (replicas > devices.size()) {
      throw new IllegalArgumentException(replicas + " replicas need " + replicas + " devices; the plugin has "
          + devices.size());
    }
    ExecutableBuildOptionsProto.Builder b = ExecutableBuildOptionsProto.newBuilder()
        .setNumReplicas(replicas)
        .setNumPartitions(1);
    if (replicas > 1) {
      DeviceAssignmentProto.ComputationDevice.Builder cd = DeviceAssignmentProto.ComputationDevice.newBuilder();
      for (int r = 0; r < replicas; r++) cd.addReplicaDeviceIds(devices.get(r).id());
      b.setDeviceAssignment(DeviceAssignmentProto.newBuilder()
          .setReplicaCount(replicas).setComputationCount(1).addComputationDevices(cd));
    }
    return CompileOptionsProto.newBuilder().setExecutableBuildOptions(b).build().toByteArray();
  }
}
