import pytest

from talentbank.cities.codes import expected_check_digit, is_valid_municipality_code, municipality_code_error
from talentbank.demo.cities import EIGHT_CITIES


@pytest.mark.parametrize("code", [row[0] for row in EIGHT_CITIES])
def test_the_eight_cities_codes_are_valid(code):
    assert is_valid_municipality_code(code)


def test_check_digit_follows_the_weights_6_5_4_3_2():
    # Zushi 14208: 1*6 + 4*5 + 2*4 + 0*3 + 8*2 = 50; 50 mod 11 = 6; 11 - 6 = 5
    assert expected_check_digit("14208") == 5
    # remainder 1 gives 10, whose last digit is 0; remainder 0 gives 11 → 1
    assert expected_check_digit("00002") == 0 + (11 - 4 % 11) % 10  # 2*2 = 4 → 7
    assert expected_check_digit("00000") == 1


def test_wrong_check_digit_says_which_digit_is_expected():
    message, params = municipality_code_error("142086")
    assert "検査数字" in message
    assert params == {"code": "142086", "head": "14208", "digit": "5"}


@pytest.mark.parametrize("code", ["", "14208", "1420855", "14208a", "１４２０８５", " "])
def test_not_six_ascii_digits_is_refused(code):
    message, _params = municipality_code_error(code)
    assert "6桁" in message
