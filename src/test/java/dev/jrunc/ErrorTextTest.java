package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorTextTest {
    @Test
    void aShortMessageIsKeptWhole() {
        String m = "x".repeat(ErrorText.MAX);
        assertEquals(m, ErrorText.bounded(m));
        assertEquals(null, ErrorText.bounded(null));
    }

    @Test
    void aHugeMessageKeepsItsStartAndItsReason() {
        String m = "mount devpts on /dev/pts (type " + "x".repeat(1 << 20) + "): No such device (errno 19)";
        String b = ErrorText.bounded(m);
        assertTrue(b.length() < ErrorText.MAX + 64, "bounded: " + b.length());
        assertTrue(b.startsWith("mount devpts on /dev/pts (type xxx"), b);
        assertTrue(b.endsWith("xxx): No such device (errno 19)"), b);
        assertTrue(b.contains(" characters left out) "), b);
        assertEquals(m.length(), b.length() - b.substring(b.indexOf(" … ("), b.indexOf(") … ") + 4).length()
                + Integer.parseInt(b.replaceAll("(?s).* … \\((\\d+) characters left out\\) … .*", "$1")));
    }

    @Test
    void noSurrogatePairIsSplit() {
        String pair = "\uD83D\uDE00"; // one character outside the BMP
        String m = pair.repeat(ErrorText.MAX);
        String b = ErrorText.bounded(m);
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (Character.isHighSurrogate(c)) assertTrue(Character.isLowSurrogate(b.charAt(i + 1)), "at " + i);
            if (Character.isLowSurrogate(c)) assertTrue(Character.isHighSurrogate(b.charAt(i - 1)), "at " + i);
        }
    }
}
