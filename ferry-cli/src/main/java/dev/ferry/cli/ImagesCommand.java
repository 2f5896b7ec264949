package dev.ferry.cli;

import dev.ferry.machine.image.GuestImages;
import picocli.CommandLine.Command;

/** {@code ferry images}: lists the built-in guest images. */
@Command(name = "images", mixinStandardHelpOptions = true, description = "List the built-in guest images.")
public final class ImagesCommand implements Runnable {

    @Override
    public void run() {
        GuestImages images = GuestImages.ofInstallation();
        if (images.names().isEmpty()) {
            System.out.println("no images in " + images.buildDir() + " (build them with: make -C guests)");
        }
        images.names().forEach(System.out::println);
    }
}
