package dev.jrunc.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The front (C) and the engine (Java) must give every message the same code. */
class EngineProtocolTest {
    private static final Path HEADER = Path.of("native-helpers/engine-protocol.h");

    private static Map<String, Integer> headerCodes() throws IOException {
        Map<String, Integer> codes = new TreeMap<>();
        Matcher m = Pattern.compile("\\bJRUNC_MSG_([A-Z_]+)\\s*=\\s*(\\d+)\\s*,").matcher(Files.readString(HEADER));
        while (m.find()) codes.put(m.group(1), Integer.parseInt(m.group(2)));
        return codes;
    }

    @Test
    void everyMessageHasTheSameCodeInTheHeaderAndTheEnum() throws IOException {
        Map<String, Integer> header = headerCodes();
        Map<String, Integer> java = new TreeMap<>();
        for (Message m : Message.values()) java.put(m.name(), m.code());
        assertEquals(java, header, "native-helpers/engine-protocol.h and dev.jrunc.engine.Message disagree");
    }

    @Test
    void theHeaderIsReallyRead() throws IOException {
        // A parser that found nothing would make the comparison above pass against an empty enum.
        Map<String, Integer> header = headerCodes();
        assertEquals(1, header.get("HELLO"));
        assertEquals(41, header.get("DONE"));
        assertEquals(Message.values().length, header.size());
    }

    @Test
    void codesAreUniqueAndDecodeBack() {
        for (Message m : Message.values()) assertEquals(m, Message.of(m.code()));
        assertNull(Message.of(0));
        assertNull(Message.of(999));
    }

    @Test
    void packetsRoundTrip() {
        Packet p = new Packet(Message.SPAWNED, Packet.ints(-2, 7));
        Packet back = Packet.decode(p.encode(), new int[] {5});
        assertNotNull(back);
        assertEquals(Message.SPAWNED, back.type());
        assertEquals(-2, back.int32(0));
        assertEquals(7, back.int32(1));
        assertEquals(List.of("a", "", "b=c"), new Packet(Message.ENV, Packet.strings(List.of("a", "", "b=c"))).strings());
        assertNull(Packet.decode(new byte[] {1, 2}, new int[0]), "shorter than a code");
        assertNull(Packet.decode(Packet.ints(12345), new int[0]), "unknown code");
    }
}
