package dev.jrunc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {
    @ParameterizedTest
    @CsvSource({
        "9, 9", "15, 15", "1, 1", "64, 64", "' 9 ', 9",
        "KILL, 9", "SIGKILL, 9", "sigterm, 15", "term, 15", "SigHup, 1", "SIGUSR1, 10", "USR2, 12",
        "SIGCHLD, 17", "WINCH, 28", "IOT, 6", "POLL, 29", "SYS, 31",
        "RTMIN, 34", "RTMIN+3, 37", "SIGRTMIN+1, 35", "rtmin+30, 64",
        "RTMAX, 64", "RTMAX-1, 63", "SIGRTMAX-30, 34",
    })
    void parses(String text, int number) {
        assertEquals(number, Signals.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SIG", "FOO", "SIGFOO", "-9", "9x", "RTMIN-1", "RTMIN+31", "RTMAX+1", "RTMAX-31",
            "RTMIN+", "RTMINx", "RTMIN+a"})
    void refusesBadNames(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.parse(text));
        assertEquals("unknown signal \"" + text + "\"", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65", "100"})
    void refusesNumbersOutOfRange(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.parse(text));
        assertEquals("invalid signal number " + text, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"9, SIGKILL", "15, SIGTERM", "6, SIGABRT", "29, SIGIO", "31, SIGSYS", "34, ''", "0, ''"})
    void namesNumbers(int number, String name) {
        assertEquals(name, Signals.name(number).orElse(""));
    }
}
