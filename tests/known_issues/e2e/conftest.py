"""The cases assert their evidence in their own modules: pytest explains a failed assert there."""

import pytest

pytest.register_assert_rewrite("tests.known_issues.e2e.cases", "tests.known_issues.e2e.harness")
