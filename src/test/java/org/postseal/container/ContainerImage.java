package org.postseal.container;

import java.nio.file.Path;
import java.util.Optional;

/** The images of {@code docker/}, each with its Dockerfile, build context and the image it is built on. */
enum ContainerImage {
    /** postseal: the milter and the smarthost ({@code docker/Dockerfile}, the repository as context). */
    POSTSEAL("localhost/postseal:latest", "docker/Dockerfile", ".", null),
    /** Debian's Postfix with postseal as its milter ({@code docker/postfix/}). */
    POSTFIX("localhost/postseal-postfix:latest", "docker/postfix/Dockerfile", "docker/postfix", null),
    /** The aiosmtpd mail sink ({@code docker/sink/}). */
    SINK("localhost/postseal-sink:latest", "docker/sink/Dockerfile", "docker/sink", null),
    /** PHP with {@code sendmail_path} set to postseal-sendmail ({@code docker/php/}), its jar from {@link #POSTSEAL}. */
    PHP("localhost/postseal-php:latest", "docker/php/Dockerfile", "docker/php", POSTSEAL);

    private final String reference;
    private final String dockerfile;
    private final String context;
    private final ContainerImage base;

    ContainerImage(String reference, String dockerfile, String context, ContainerImage base) {
        this.reference = reference;
        this.dockerfile = dockerfile;
        this.context = context;
        this.base = base;
    }

    /** The local name the compose files use, {@code localhost/NAME:latest}. */
    String reference() {
        return reference;
    }

    Path dockerfile(Path repository) {
        return repository.resolve(dockerfile);
    }

    Path context(Path repository) {
        return repository.resolve(context).normalize();
    }

    /** The image of this list this one is built FROM, if any (the others start from the Debian base image). */
    Optional<ContainerImage> base() {
        return Optional.ofNullable(base);
    }
}
