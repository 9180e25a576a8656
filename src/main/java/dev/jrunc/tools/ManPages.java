package dev.jrunc.tools;

import dev.jrunc.cli.Verbs;
import java.io.File;
import java.io.IOException;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * jrunc's man pages, generated at build time by picocli-codegen's ManPageGenerator from the
 * command model the verbs run with: jrunc(1) and one page per verb (jrunc-create(1), ...), as
 * AsciiDoc, which the Makefile turns into roff with asciidoctor.
 *
 * <pre>java -cp jrunc.jar:picocli-codegen.jar dev.jrunc.tools.ManPages OUT-DIR</pre>
 * picocli-codegen is a build-time dependency only: it is not installed with jrunc.
 */
public final class ManPages {
    private ManPages() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: ManPages OUT-DIR");
        File out = new File(args[0]);
        if (!out.isDirectory() && !out.mkdirs()) throw new IOException("cannot create " + out);
        CommandLine jrunc = Verbs.commandLine(new String[0]);
        // Every page's footer names jrunc's version, not only jrunc(1)'s.
        for (CommandLine verb : jrunc.getSubcommands().values()) {
            verb.getCommandSpec().versionProvider(jrunc.getCommandSpec().versionProvider());
        }
        int rc = ManPageGenerator.generateManPage(out, null, new boolean[0], true, jrunc.getCommandSpec());
        if (rc != 0) throw new IOException("ManPageGenerator failed with status " + rc);
    }
}
