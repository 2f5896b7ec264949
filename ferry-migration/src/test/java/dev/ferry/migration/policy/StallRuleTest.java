package dev.ferry.migration.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StallRuleTest {

    @Test
    void threeRoundsWithoutShrinkingByFivePercentAreAStall() {
        StallRule rule = new StallRule();
        assertThat(rule.stalled(1000)).isFalse();
        assertThat(rule.stalled(960)).isFalse();
        assertThat(rule.stalled(1100)).isFalse();
        assertThat(rule.stalled(951)).isTrue();
    }

    @Test
    void shrinkingByFivePercentStartsTheCountAgain() {
        StallRule rule = new StallRule();
        rule.stalled(1000);
        rule.stalled(1000);
        rule.stalled(1000);
        assertThat(rule.stalled(949)).isFalse();
        assertThat(rule.stalled(949)).isFalse();
        assertThat(rule.stalled(949)).isFalse();
        assertThat(rule.stalled(949)).isTrue();
    }

    @Test
    void aStallThatGoesOnFiresAgainThreeRoundsLater() {
        StallRule rule = new StallRule();
        rule.stalled(500);
        boolean[] fired = new boolean[7];
        for (int i = 0; i < fired.length; i++) {
            fired[i] = rule.stalled(500);
        }
        assertThat(fired).containsExactly(false, false, true, false, false, true, false);
    }

    @Test
    void aResetForgetsTheBestCountAndTheRoundsWithoutProgress() {
        StallRule rule = new StallRule();
        rule.stalled(100);
        rule.stalled(100);
        rule.stalled(100);
        rule.reset();
        assertThat(rule.stalled(1000)).isFalse();
        assertThat(rule.stalled(1000)).isFalse();
        assertThat(rule.stalled(1000)).isFalse();
        assertThat(rule.stalled(1000)).isTrue();
    }
}
