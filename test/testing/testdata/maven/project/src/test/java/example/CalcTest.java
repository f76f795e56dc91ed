package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CalcTest {
    @Test
    void adds() {
        assertEquals(5, Calc.add(2, 3));
    }

    @Test
    void addsWrong() {
        assertEquals(5, Calc.add(2, 2), "two plus two should be five <&>");
    }

    @Test
    @Disabled("not ready")
    void skipped() {
        assertEquals(1, 2);
    }

    @Test
    void divides() {
        Calc.div(1, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void positive(int n) {
        assertEquals(1, n);
    }
}
