package dev.kiln.train.cli;

import dev.kiln.tpu.PluginInstaller;
import dev.kiln.tpu.PluginLocator;
import dev.kiln.tpu.pjrt.PjrtPlugin;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kiln plugin install cpu|cuda|tpu} and {@code kiln plugin list}: manage PJRT plugins. */
@Command(name = "plugin", mixinStandardHelpOptions = true, description = "Install and list PJRT plugins.",
    subcommands = {PluginCommand.Install.class, PluginCommand.ListPlugins.class})
public final class PluginCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** Downloads a plugin wheel with pip and installs its library into Kiln's cache. */
  @Command(name = "install", mixinStandardHelpOptions = true,
      description = "Download a PJRT plugin from PyPI (pip download) into ~/.cache/kiln/pjrt/<kind>/.")
  public static final class Install implements Callable<Integer> {
    @Parameters(index = "0", description = "cpu, cuda or tpu")
    String kind;

    @picocli.CommandLine.Option(names = "--dry-run",
        description = "cuda: list the wheels (the plugin and CUDA's libraries) and their sizes; download nothing.")
    boolean dryRun;

    @picocli.CommandLine.Option(names = "--compile-only", description = "cuda: only what compiling for a GPU target "
        + "needs (the plugin, ptxas, libdevice; about 260 MB), into ~/.cache/kiln/pjrt/cuda-compile/.")
    boolean compileOnly;

    @Override
    public Integer call() throws Exception {
      PluginLocator.Kind k = PluginLocator.Kind.of(kind);
      if (compileOnly) {
        if (k != PluginLocator.Kind.CUDA) throw new IllegalArgumentException("--compile-only goes with cuda");
        if (dryRun) {
          dev.kiln.tpu.cuda.CudaCompileToolchain.PINS.forEach(p -> System.out.println(p.name() + " " + p.version()
              + " sha256 " + p.sha256()));
          System.out.println("(dry run: nothing downloaded; install lays them out under "
              + PluginLocator.cudaCompilerDir() + ")");
          return 0;
        }
        System.out.println(PluginInstaller.installCudaCompiler(line -> System.err.println("kiln: " + line)));
        return 0;
      }
      if (dryRun) {
        if (k != PluginLocator.Kind.CUDA) {
          System.out.println("would download " + PluginInstaller.candidates(k).get(0).wheel() + " with pip and install "
              + PluginInstaller.candidates(k).get(0).library() + " into " + PluginLocator.cacheDir(k));
          return 0;
        }
        System.out.print(dev.kiln.tpu.cuda.CudaWheels.table(dev.kiln.tpu.cuda.CudaWheels.resolve(null)));
        System.out.println("(dry run: nothing downloaded; install lays them out under " + PluginLocator.cacheDir(k) + ")");
        return 0;
      }
      Path lib = PluginInstaller.install(k, line -> System.err.println("kiln: " + line));
      if (k == PluginLocator.Kind.CPU) {
        PjrtPlugin p = PjrtPlugin.load(lib);
        System.out.println(lib + " (PJRT API " + p.apiVersion() + ")");
      } else {
        System.out.println(lib);
      }
      return 0;
    }
  }

  /** Shows every plugin Kiln can find and where. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the PJRT plugins Kiln can find.")
  public static final class ListPlugins implements Callable<Integer> {
    @Override
    public Integer call() {
      List<String> lines = PluginLocator.describeAll();
      if (lines.isEmpty()) {
        System.out.println("no PJRT plugins found; install one with: ./kiln plugin install cpu|cuda|tpu");
      } else {
        lines.forEach(System.out::println);
      }
      return 0;
    }
  }
}
