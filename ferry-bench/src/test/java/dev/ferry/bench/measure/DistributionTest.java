package dev.ferry.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DistributionTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        Distribution d = Distribution.of(9, 1, 5);
        assertThat(d.count()).isEqualTo(3);
        assertThat(d.median()).isEqualTo(5);
        assertThat(d.max()).isEqualTo(9);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Distribution.of(4, 1, 2, 8).median()).isEqualTo(3);
    }

    @Test
    void p95IsTheNearestRank() {
        Distribution twenty = Distribution.of(IntStream.rangeClosed(1, 20).asDoubleStream());
        assertThat(twenty.p95()).isEqualTo(19);
        assertThat(twenty.max()).isEqualTo(20);
        Distribution hundred = Distribution.of(IntStream.rangeClosed(1, 100).asDoubleStream());
        assertThat(hundred.p95()).isEqualTo(95);
        assertThat(Distribution.of(3, 7).p95()).as("fewer than 20 values: p95 is the maximum").isEqualTo(7);
    }

    @Test
    void missingValuesAreLeftOut() {
        Distribution d = Distribution.of(Double.NaN, 2, Double.NaN, 4, 6);
        assertThat(d.count()).isEqualTo(3);
        assertThat(d.median()).isEqualTo(4);
    }

    @Test
    void noValuesGiveNoFigures() {
        Distribution d = Distribution.of(DoubleStream.empty());
        assertThat(d.count()).isZero();
        assertThat(d.median()).isNaN();
        assertThat(d.p95()).isNaN();
        assertThat(d.max()).isNaN();
    }
}
