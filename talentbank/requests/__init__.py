"""Staffing requests (派遣要請): the demand side of every matching round."""
