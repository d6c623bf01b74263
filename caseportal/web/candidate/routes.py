from flask import Blueprint

bp = Blueprint("candidate", __name__)
