package dev.kiln.tpu.pjrt.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * The JavaCPP preset for Kiln's PJRT header ({@code src/main/native/kiln_pjrt.h}): at build time the JavaCPP parser
 * reads the header and writes the peer class {@code dev.kiln.tpu.pjrt.PjrtC} (one nested class per struct, one
 * native method per helper function), then the JavaCPP builder compiles the JNI glue with the system C++ compiler.
 * The plugin itself is not linked: it is loaded at run time with dlopen.
 */
@Properties(target = "dev.kiln.tpu.pjrt.PjrtC", value = @Platform(include = "kiln_pjrt.h", link = "dl"))
public class PjrtConfig implements InfoMapper {
  @Override
  public void map(InfoMap infoMap) {
    infoMap.put(new Info("KILN_PJRT_H").cppTypes().annotations());
  }
}
